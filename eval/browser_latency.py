"""Cold start of `rag serve` and question round-trip time in a real browser.

    python3 eval/browser_latency.py [--index index] [--questions 10]

Cold start = from launching `rag serve` on an existing index until the page answers HTTP.
Round trip = from clicking 发送 until the answer is in the chat, per question."""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import time

from serving import QUESTIONS, running_server

LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="index")
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    with running_server(args.index) as (url, cold):
        from playwright.sync_api import sync_playwright
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=LAUNCH_ARGS)
            page = browser.new_page()
            page.goto(url)
            page.wait_for_selector("#question textarea")
            times = []
            for i, q in enumerate((QUESTIONS * 5)[:args.questions], 1):
                page.locator("#question textarea").fill(q)
                t0 = time.perf_counter()
                page.locator("#send").click()
                page.wait_for_function("n => document.querySelectorAll('#chatbot .message-row').length >= n",
                                       arg=2 * i, timeout=60000)
                times.append((time.perf_counter() - t0) * 1000)
            browser.close()
        times.sort()
        print(f"cold start (rag serve on an existing index -> page served): {cold:.1f} s")
        print(f"browser round trip over {len(times)} questions: p50 {statistics.median(times):.0f} ms, "
              f"max {times[-1]:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
