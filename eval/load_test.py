"""Load test: N concurrent gradio_client clients x M questions against `rag serve` on 127.0.0.1.

    python3 eval/load_test.py [--index index] [--clients 50] [--questions 20]

Every answer must equal the answer a single client gets for the same question; prints
errors, mismatches and round-trip p50/p95 (bounded: each client asks a fixed number)."""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ThreadPoolExecutor

from serving import QUESTIONS, running_server


def answer_text(history) -> str:
    content = history[-1]["content"]
    return content if isinstance(content, str) else "".join(p.get("text", "") for p in content)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="index")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    from gradio_client import Client

    with running_server(args.index) as (url, _):
        single = Client(url, verbose=False)
        expected = {q: answer_text(single.predict(q, [], "hybrid", 5, "原文", api_name="/ask")[0]) for q in QUESTIONS}

        def client_run(c: int):
            client = Client(url, verbose=False)
            out = []
            for i in range(args.questions):
                q = QUESTIONS[(c + i) % len(QUESTIONS)]
                t0 = time.perf_counter()
                try:
                    got = answer_text(client.predict(q, [], "hybrid", 5, "原文", api_name="/ask")[0])
                    out.append(((time.perf_counter() - t0) * 1000, got == expected[q], None))
                except Exception as exc:  # counted and reported, never hidden
                    out.append(((time.perf_counter() - t0) * 1000, False, repr(exc)))
            return out

        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=args.clients) as pool:
            results = [r for batch in pool.map(client_run, range(args.clients)) for r in batch]
        wall = time.perf_counter() - t0
        times = sorted(r[0] for r in results)
        errors = [r[2] for r in results if r[2]]
        mismatches = sum(1 for r in results if not r[1] and not r[2])
        print(f"clients {args.clients} x questions {args.questions} = {len(results)} requests in {wall:.1f} s "
              f"({len(results) / wall:.1f} req/s)")
        print(f"errors {len(errors)}, answers differing from the single-client answer {mismatches}")
        print(f"round trip p50 {times[len(times) // 2]:.0f} ms, p95 {times[int(len(times) * 0.95)]:.0f} ms, "
              f"max {times[-1]:.0f} ms")
        for e in errors[:5]:
            print("  error:", e)
        return 0 if not errors and not mismatches else 1


if __name__ == "__main__":
    sys.exit(main())
