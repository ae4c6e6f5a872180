def simplify_path(path: str) -> str:
    """Simplify an absolute Unix path: "." means the same folder, ".." the parent (the parent
    of "/" is "/"), repeated slashes count as one, and there is no slash at the end except for
    the root itself.

    >>> simplify_path("/a/./b/../../c/")
    '/c'
    >>> simplify_path("/../")
    '/'
    >>> simplify_path("/home//user/")
    '/home/user'
    """
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
        else:
            parts.append(part)
    return "/" + "/".join(parts)
