"""Benchmarks side by side with the peers (micrograd, PyTorch, NumPy). Run them with `python -m bench`.

Each `bench/bench_*.py` defines ``run(quick: bool = False) -> list[dict]`` returning rows
``{"group", "case", "ours_s", "peer", "peer_s", "note"}`` (median seconds; `peer`/`peer_s` may be None).
"""
