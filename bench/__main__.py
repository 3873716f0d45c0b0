"""`python -m bench [--quick] [--only NAME ...] [--out PATH]`: run every `bench/bench_*.py`, print one table.

A full run writes `bench/RESULTS.md` (date, machine, versions, and each case's speed-up over its peer).
With `--quick` or `--only` the table is printed but RESULTS.md is left alone unless `--out` is given.
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
COLUMNS = ("case", "ours", "peer", "peer time", "speed-up", "note")


def discover() -> list[str]:
    """Names of the benchmark modules, e.g. ['engine', 'graph', 'tensor'] for bench/bench_engine.py, ..."""
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def run_module(name: str, quick: bool) -> tuple[list[dict], str | None]:
    """Rows of `bench_<name>.run(quick)`, or no rows and the error (a broken module never stops the others)."""
    try:
        module = importlib.import_module(f"bench.bench_{name}")
        rows = list(module.run(quick=quick))
        for row in rows:
            missing = {"group", "case", "ours_s"} - row.keys()
            if missing:
                raise ValueError(f"bench_{name}.run() returned a row without {sorted(missing)}: {row!r}")
        return rows, None
    except Exception as exc:  # report and go on: one missing optional peer must not hide the other results
        traceback.print_exc()
        return [], f"{type(exc).__name__}: {exc}"


def fmt_time(seconds: float | None) -> str:
    """Seconds in a readable unit: '1.23 s', '45.6 ms', '789 us'."""
    if seconds is None:
        return "n/a"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds * 1e6:.3g} us"


def speedup(row: dict) -> str:
    """How many times faster ours is than the peer (peer time / our time); below 1x means slower."""
    ours, peer = row.get("ours_s"), row.get("peer_s")
    if not ours or peer is None:
        return "n/a"
    return f"{peer / ours:.2f}x"


def machine() -> dict[str, str]:
    """CPU model, cores and versions, for the header of the results."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    info = {"CPU": f"{cpu}, {os.cpu_count()} cores", "OS": platform.platform(), "Python": platform.python_version()}
    for name in ("numpy", "torch", "micrograd", "microgradx"):
        try:
            from importlib.metadata import version

            info[name] = version(name)
        except Exception:
            info[name] = "not installed"
    return info


def table(rows: list[dict]) -> str:
    """The rows as Markdown, one sub-table per group, in the order they came."""
    out, group = [], None
    for row in rows:
        if row["group"] != group:
            group = row["group"]
            out += ["", f"**{group}**", "", "| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
        cells = (
            row["case"],
            fmt_time(row["ours_s"]),
            row.get("peer") or "",
            fmt_time(row.get("peer_s")) if row.get("peer") else "",
            speedup(row) if row.get("peer") else "",
            (row.get("note") or "").replace("|", "/"),
        )
        out.append("| " + " | ".join(str(c) for c in cells) + " |")
    return "\n".join(out).strip() + "\n"


def report(rows: list[dict], errors: dict[str, str], quick: bool, seconds: float) -> str:
    today = datetime.date.today().isoformat()
    lines = [
        "# microgradx benchmarks",
        "",
        f"Run on {today} with `python -m bench{' --quick' if quick else ''}` ({seconds:.0f} s in all).",
        "",
        *[f"- {k}: {v}" for k, v in machine().items()],
        "",
        "Times are medians of several timed runs after warm-up; *speed-up* is the peer's time divided by ours",
        "(above 1x: we are faster; below 1x: the peer is). *spread* is (max - min) / median of the runs: the noise.",
        "",
        table(rows) if rows else "(no results)",
    ]
    if errors:
        lines += ["", "**Benchmarks that failed to run**", ""]
        lines += [f"- `bench_{name}`: {err}" for name, err in errors.items()]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Run bench/bench_*.py side by side with their peers; print one table."
    )
    parser.add_argument("--quick", action="store_true", help="fewer repeats and smaller sweeps (a smoke run)")
    parser.add_argument("--only", action="append", metavar="NAME", help="run only bench_NAME.py (repeatable)")
    parser.add_argument("--out", type=Path, metavar="PATH", help="write the Markdown here (full run: bench/RESULTS.md)")
    args = parser.parse_args(argv)

    names = discover()
    if args.only:
        wanted = [n.removeprefix("bench_").removesuffix(".py") for n in args.only]
        unknown = [n for n in wanted if n not in names]
        if unknown:
            parser.error(f"no bench/bench_{unknown[0]}.py; choose from {', '.join(names)}")
        names = wanted
    out = args.out or (None if args.quick or args.only else HERE / "RESULTS.md")

    rows, errors, start = [], {}, time.perf_counter()
    for i, name in enumerate(names, 1):
        print(f"[{i}/{len(names)}] bench_{name} ...", file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        got, err = run_module(name, args.quick)
        rows += got
        if err:
            errors[name] = err
        status = f"FAILED: {err}" if err else f"{len(got)} rows"
        print(f"[{i}/{len(names)}] bench_{name}: {status} ({time.perf_counter() - t0:.0f} s)", file=sys.stderr)

    text = report(rows, errors, args.quick, time.perf_counter() - start)
    print(text)
    if out is not None:
        out.write_text(text)
        print(f"wrote {out}", file=sys.stderr)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
