"""A small OpenAI-compatible chat server on 127.0.0.1 for tests: it streams scripted
completions chosen by a keyword in the question, over real HTTP and SSE."""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SCRIPTS = {
    # keyword in the question -> list of text deltas (or a special behaviour)
    # [@TEXT] becomes the number of the passage that contains TEXT
    "GOOD": ["累计投入经费3.2亿元，", "建成“雪亮工程”监控探头4.2万余个[@4.2万余个]。"],
    "UNCITED": ["建成“雪亮工程”监控探头4.2万余个[@4.2万余个]。", "这一数字在全国名列前茅。"],
    "WRONG": ["达州建成“雪亮工程”监控探头5.6万余个[@4.2万余个]。"],
    "INJECTED": ["一百万[1]。"],
    "DECLINE": ["资料中没有找到可靠答案"],
    "BADREF": ["建成“雪亮工程”监控探头4.2万余个[9]。"],
}


def _chunk(text: str, finish: str | None = None) -> bytes:
    event = {"id": "c1", "object": "chat.completion.chunk", "created": 0, "model": "fake",
             "choices": [{"index": 0, "delta": {"content": text} if text else {}, "finish_reason": finish}]}
    return f"data: {json.dumps(event, ensure_ascii=False)}\n\n".encode()


def _passage_with(prompt: str, text: str) -> int:
    parts = re.split(r"^\[(\d+)\] ", prompt.split("</资料>")[0], flags=re.M)
    for number, passage in zip(parts[1::2], parts[2::2]):
        if text in passage:
            return int(number)
    return 99


def echo_answer(prompt: str) -> list[str]:
    """Behaves like a careful model: the first sentence of passage [1], cited."""
    m = re.search(r"^\[1\] (.+?[。！？；])", prompt, re.M)
    return [m.group(1) + "[1]"] if m else ["资料中没有找到可靠答案"]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep test output quiet
        pass

    def do_POST(self):
        try:
            self._respond()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (the timeout case)

    def _respond(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append({"body": body, "auth": self.headers.get("Authorization")})
        prompt = body["messages"][-1]["content"]
        question = prompt.rsplit("问题：", 1)[-1]
        if "TIMEOUT" in question:
            time.sleep(3)
        if "ERROR500" in question:
            self.send_response(500)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "internal", "type": "server_error"}}')
            return
        if "改写" in prompt:  # follow-up condensation
            deltas = ["张掖建成了多少个四级综治中心?"]
        else:
            deltas = next((v for k, v in SCRIPTS.items() if k in question), None) or echo_answer(prompt)
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        if "BROKEN" in question:
            self.wfile.write(_chunk("建成监控探头"))
            self.wfile.write(b"data: {not json\n\n")
            self.wfile.flush()
            return
        for delta in deltas:
            delta = re.sub(r"\[@([^\]]+)\]", lambda m: f"[{_passage_with(prompt, m.group(1))}]", delta)
            self.wfile.write(_chunk(delta))
            self.wfile.flush()
        self.wfile.write(_chunk("", "stop"))
        self.wfile.write(b"data: [DONE]\n\n")


def start() -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
