"""The frozen loop from phase 2: ask for a program, run it in the sandbox, feed the error back.

Phase 2 built it and teaches it; later phases (the phase 5 benchmark runs it as the first
agent generation) import it from here.

    from shared.code_loop import solve, extract_code
    result = solve(get_llm(), "Print the first 10 primes.")
"""

from shared.code_loop.extract import extract_code, find_code_blocks
from shared.code_loop.loop import MAX_ATTEMPTS, Attempt, LoopResult, solve, write_files
from shared.code_loop.prompts import SYSTEM_PROMPT, error_message, task_message

__all__ = [
    "MAX_ATTEMPTS", "SYSTEM_PROMPT", "Attempt", "LoopResult", "error_message", "extract_code",
    "find_code_blocks", "solve", "task_message", "write_files",
]
