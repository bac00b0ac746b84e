"""How well scans are read: pages of known report text rendered with the Debian CJK font
(Simplified and Traditional, body text and a table; 300 and 150 dpi, slightly rotated, and
noisy), recognized by the product's OCR, the character error rate per variant and the
seconds per page; then scanned copies of the five seed reports, for the seed questions.

    python3 eval/ocr_accuracy.py --out /tmp/ocr
    rag eval /tmp/ocr/seeds_scanned.jsonl --docs /tmp/ocr/seeds_scanned   # beside: rag eval eval/questions/seeds.jsonl --docs seeds

CER: edit distance over the reference's characters, whitespace dropped and both sides in
NFKC (full- and half-width punctuation are the same character to a reader).
"""
from __future__ import annotations

import argparse
import json
import random
import time
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
PER_LINE = 34
LINES_PER_PAGE = 38


def render(lines: list[str], dpi: int, rotate: float = 0.0, noise: float = 0.0, seed: int = 0):
    """An A4 page of ``lines`` at ``dpi`` (12 pt text), optionally turned and speckled as a scanner might."""
    import numpy as np
    from PIL import Image, ImageDraw, ImageFilter, ImageFont
    width, height = int(8.27 * dpi), int(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(CJK_FONT, int(12 / 72 * dpi))
    y = int(0.9 * dpi)
    for line in lines:
        draw.text((int(0.9 * dpi), y), line, font=font, fill=0)
        y += int(20 / 72 * dpi)
    if rotate:
        page = page.rotate(rotate, resample=Image.BICUBIC, expand=False, fillcolor=255)
    if noise:
        rng = np.random.default_rng(seed)
        pixels = np.asarray(page.filter(ImageFilter.GaussianBlur(0.6)), dtype=np.float32)
        pixels += rng.normal(0, noise, pixels.shape)
        speckle = rng.random(pixels.shape) < 0.002
        pixels[speckle] = 0
        page = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    return page.convert("RGB")


def wrap(paragraphs: list[str]) -> list[str]:
    lines = []
    for p in paragraphs:
        lines += [p[i:i + PER_LINE] for i in range(0, len(p), PER_LINE)]
    return lines


def cer(reference: str, hypothesis: str) -> float:
    ref, hyp = (unicodedata.normalize("NFKC", "".join(t.split())) for t in (reference, hypothesis))
    previous = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        current = [i]
        for j, h in enumerate(hyp, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (r != h)))
        previous = current
    return previous[-1] / max(len(ref), 1)


def seed_paragraphs() -> dict[str, list[str]]:
    from rag.ingest.clean import clean
    from rag.ingest.documents import load_documents
    out = {}
    for doc in load_documents([ROOT / "seeds"]).documents:
        cleaned = clean(doc)
        out[doc.name] = [cleaned.text[p.start:p.end] for p in cleaned.paragraphs]
    return out


def table_lines(rng: random.Random, traditional: bool) -> list[str]:
    head = "類別 立案數（件） 結案數（件） 同比" if traditional else "类别 立案数（件） 结案数（件） 同比"
    kinds = ["刑事案件", "治安案件", "民商事案件", "行政案件", "矛盾纠纷", "执行案件"]
    if traditional:
        kinds = ["刑事案件", "治安案件", "民商事案件", "行政案件", "矛盾糾紛", "執行案件"]
    rows = [f"{k}  {rng.randint(100, 9999)}  {rng.randint(100, 9999)}  {rng.uniform(-30, 30):+.1f}%" for k in kinds]
    return [head] + rows


def main() -> None:
    from rag.ingest.ocr import ocr_lines
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--pages", type=int, default=2, help="pages per script, content and variant")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    seeds = seed_paragraphs()
    simplified = [p for name, ps in seeds.items() if not name.startswith("003") for p in ps if len(p) > 40]
    traditional = [p for name, ps in seeds.items() if name.startswith("003") for p in ps if len(p) > 40]
    variants = {"300 dpi": dict(dpi=300), "150 dpi": dict(dpi=150), "300 dpi, turned 1.5°": dict(dpi=300, rotate=1.5),
                "300 dpi, noisy": dict(dpi=300, noise=25.0)}
    rng = random.Random(3)
    errors, seconds, pages = defaultdict(list), defaultdict(float), defaultdict(int)
    for script, paragraphs in (("简体", simplified), ("繁體", traditional)):
        body = wrap(paragraphs)
        for content in ("body", "table"):
            for name, settings in variants.items():
                for k in range(args.pages):
                    if content == "body":
                        start = (k * LINES_PER_PAGE) % max(len(body) - LINES_PER_PAGE, 1)
                        lines = body[start:start + LINES_PER_PAGE]
                    else:
                        lines = body[:8] + [""] + table_lines(rng, script == "繁體") + [""] + body[8:14]
                    image = render(lines, seed=k, **settings)
                    started = time.perf_counter()
                    got = ocr_lines(image, "page")
                    seconds[name] += time.perf_counter() - started
                    pages[name] += 1
                    errors[(name, script, content)].append(cer("".join(lines), "".join(l["text"] for l in got)))
    print("| variant | 简体 body | 简体 table | 繁體 body | 繁體 table | all | seconds per page |")
    print("|---|---|---|---|---|---|---|")
    for name in variants:
        cells = [sum(errors[(name, s, c)]) / len(errors[(name, s, c)]) for s in ("简体", "繁體") for c in ("body", "table")]
        every = [e for s in ("简体", "繁體") for c in ("body", "table") for e in errors[(name, s, c)]]
        print(f"| {name} | " + " | ".join(f"{x:.2%}" for x in cells) + f" | {sum(every) / len(every):.2%} | "
              f"{seconds[name] / pages[name]:.1f} |")
    print(f"pages: {sum(pages.values())}")
    scanned_seeds(args.out, seeds)


def scanned_seeds(out: Path, seeds: dict[str, list[str]]) -> None:
    """Each seed report printed and scanned at 300 dpi: a PDF of page images, no text layer;
    and the seed questions pointed at those files."""
    folder = out / "seeds_scanned"
    folder.mkdir(exist_ok=True)
    for name, paragraphs in seeds.items():
        lines = wrap(paragraphs)
        images = [render(lines[i:i + LINES_PER_PAGE], dpi=300) for i in range(0, len(lines), LINES_PER_PAGE)]
        images[0].save(folder / f"{Path(name).stem}.pdf", save_all=True, append_images=images[1:], resolution=300)
    questions = []
    for line in (ROOT / "eval/questions/seeds.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if q.get("doc"):
            q["doc"] = f"{Path(q['doc']).stem}.pdf"
        questions.append(json.dumps(q, ensure_ascii=False))
    (out / "seeds_scanned.jsonl").write_text("\n".join(questions) + "\n", encoding="utf-8")
    print(f"scanned seeds: {folder} ({len(seeds)} reports); questions: {out / 'seeds_scanned.jsonl'}")


if __name__ == "__main__":
    main()
