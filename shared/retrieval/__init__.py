"""Retrieval: find code and text by meaning and by words, measure it, answer from it.

    from shared.retrieval.retriever import Retriever
    retriever = Retriever.open(Path("src"), Path("runs/phase6/src.npz"))
    retriever.search("where are passwords checked?", method="hybrid", k=5)

chunker (files -> chunks with exact lines), embeddings (all-MiniLM-L6-v2, offline), vector_index
(numpy, incremental by file hash, saved atomically), keyword_index (BM25 with bm25s), hybrid
(reciprocal rank fusion), retriever (all three over one folder), search_tool (the agent's
semantic_search), grep_baseline and evaluate (recall@5, MRR over stdlib_queries.json),
answer and calibration (answers with citations, the not-found threshold).
"""
