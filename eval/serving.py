"""Shared by the eval scripts: start `rag serve` on a free local port, and the questions they ask."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager

QUESTIONS = ["张掖市建成了多少个四级综治中心?", "達州建成了多少個「雪亮工程」監控探頭？", "荣昌区建成视频监控多少个?",
             "乐山市排查整治顽瘴痼疾多少个?", "社区矫正期间再犯罪率是多少?", "张掖市累计清收金融领域不良资产多少?",
             "2021年乐山平安建设群众满意度全省排第几?", "成都市2023年的地区生产总值是多少?",
             "荣昌区共划分网格多少个?", "达州组建政法系统专家人才库多少人?"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running_server(index: str, timeout_s: float = 300):
    """Yields (url, seconds from launch until the page answered)."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "rag.cli", "serve", "--index", index, "--port", str(port)],
                              env=dict(os.environ, GRADIO_ANALYTICS_ENABLED="False"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > timeout_s:
                    raise SystemExit("rag serve did not start")
                time.sleep(0.1)
        yield url, time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
