"""Peak memory and time of `rag index` on hostile files: zip bombs and very large text.

    python3 eval/hostile_files.py [--work DIR] [--keep]

Writes a .docx holding 1 GB of XML (4 MB on disk), one holding ~100 MB (0.4 MB), text files
of 200 MB and 1 GB (the second sparse) and one of 31 MB, just under the default text limit;
then runs `rag index FILE --embedder hashing` on each in a fresh process and prints its wall
time, peak resident memory (the child's ru_maxrss) and what it said.
"""
from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

PARAGRAPH = "<w:p><w:r><w:t>达州市累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个，推进三网合一。</w:t></w:r></w:p>"
LINE = "达州市累计投入经费3.2亿元，建成雪亮工程监控探头4.2万余个，推进三网合一。第{}段。\n"


def docx_bomb(path: Path, inner_mb: int) -> Path:
    import docx
    source = path.with_suffix(".src.docx")
    document = docx.Document()
    document.add_paragraph("达州市政法工作报告")
    document.save(str(source))
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as out:
        head, tail = original.read("word/document.xml").decode().split("<w:body>")
        for name in original.namelist():
            if name != "word/document.xml":
                out.writestr(name, original.read(name))
                continue
            with out.open(name, "w", force_zip64=True) as f:
                f.write((head + "<w:body>").encode())
                block = (PARAGRAPH * 1000).encode()
                for _ in range(inner_mb * 1024 * 1024 // len(block)):
                    f.write(block)
                f.write(tail.encode())
    source.unlink()
    return path


def text_file(path: Path, mb: int, sparse: bool = False) -> Path:
    if sparse:   # a 1 GB file without writing 1 GB: its size is what the limit sees first
        with open(path, "wb") as f:
            f.write("报告".encode() * 100)
            f.truncate(mb * 1024 * 1024)
        return path
    with open(path, "w", encoding="utf-8") as f:
        i = 0
        while f.tell() < mb * 1024 * 1024:
            f.write("".join(LINE.format(i + j) for j in range(1000)))
            i += 1000
        f.truncate(mb * 1024 * 1024 - (mb * 1024 * 1024) % 3)   # whole UTF-8 characters only
    return path


PEAK = ("import resource, subprocess, sys; r = subprocess.run(sys.argv[1:], stdout=sys.stderr); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def measure(path: Path, work: Path) -> tuple[float, float, str]:
    index = work / "index"
    shutil.rmtree(index, ignore_errors=True)
    started = time.perf_counter()
    # a wrapper process per file, so that its children's peak RSS is this run's alone
    done = subprocess.run([sys.executable, "-c", PEAK, "rag", "index", str(path), "--index", str(index),
                           "--embedder", "hashing"], capture_output=True, text=True)
    seconds = time.perf_counter() - started
    peak_mb = int(done.stdout.strip().splitlines()[-1]) / 1024
    said = [line for line in done.stderr.splitlines() if line.startswith(("skipped", "indexed", "error"))]
    return seconds, peak_mb, (said[0] if said else f"exit {done.returncode}")[:110]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", default="", help="folder for the files (default: a temporary one)")
    parser.add_argument("--keep", action="store_true", help="keep the files")
    args = parser.parse_args()
    work = Path(args.work or tempfile.mkdtemp(prefix="hostile-"))
    work.mkdir(parents=True, exist_ok=True)
    files = [docx_bomb(work / "bomb-1g.docx", 1024), docx_bomb(work / "bomb-100m.docx", 100),
             text_file(work / "big-200m.txt", 200), text_file(work / "big-1g.txt", 1024, sparse=True),
             text_file(work / "big-31m.txt", 31)]
    print("| file | on disk | wall | peak RSS | rag index said |")
    print("|---|---|---|---|---|")
    for path in files:
        seconds, peak, said = measure(path, work)
        print(f"| {path.name} | {path.stat().st_size / 2**20:.1f} MB | {seconds:.1f} s | {peak:.0f} MB | {said} |",
              flush=True)
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
