"""Cold start of `rag serve` and question round-trip time in a real browser.

    python3 eval/browser_latency.py [--index index] [--questions 10]

Cold start = from launching `rag serve` on an existing index until the page answers HTTP.
Round trip = from clicking 发送 until the answer is in the chat, per question."""
from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QUESTIONS = ["张掖市建成了多少个四级综治中心?", "達州建成了多少個「雪亮工程」監控探頭？", "荣昌区建成视频监控多少个?",
             "乐山市排查整治顽瘴痼疾多少个?", "社区矫正期间再犯罪率是多少?", "张掖市累计清收金融领域不良资产多少?",
             "2021年乐山平安建设群众满意度全省排第几?", "成都市2023年的地区生产总值是多少?",
             "荣昌区共划分网格多少个?", "达州组建政法系统专家人才库多少人?"]
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", default="index")
    parser.add_argument("--questions", type=int, default=10)
    args = parser.parse_args()
    port = free_port()
    env = dict(os.environ, GRADIO_ANALYTICS_ENABLED="False")
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", args.index, "--port", str(port)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 300:
                    print("rag serve did not start", file=sys.stderr)
                    return 1
                time.sleep(0.1)
        cold = time.perf_counter() - started
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
    finally:
        server.terminate()
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
