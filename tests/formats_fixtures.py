"""Builders of real Word, PDF, HTML and Markdown reports with Chinese text (for tests and
for eval/extraction_speed.py)."""
from __future__ import annotations

import os
from pathlib import Path

CJK_FONT = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"

BODY = [
    "今年以来，我市政法机关创新“三融合三提升”机制，全面助力依法治市，促进了干部群众法治意识大提升。",
    "强化科技支撑体系。累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个，推进“雪亮”“天网”“慧眼”工程三网合一。",
    "创新社会治理体系。坚持和发展新时代“枫桥经验”，推行“1+6”蜂巢式社区治理模式，努力实现“小事不出村、大事不出乡”。",
]
PAGE_TWO = "全面加强社会风险防控。完成重大决策社会稳定风险评估295起，防范化解风险点8714个，妥善化解农村老人赡养纠纷688起。"


def make_docx(path: Path) -> Path:
    import docx
    d = docx.Document()
    d.add_heading("达州市政法工作报告", level=0)
    d.add_heading("推进“治理+改革”融合", level=1)
    for text in BODY[:2]:
        d.add_paragraph(text)
    d.add_paragraph("一、编制任务书，构建市域社会治理新格局")
    d.add_paragraph(BODY[2])
    table = d.add_table(rows=3, cols=2)
    for row, cells in zip(table.rows, [("项目", "数量"), ("综治中心", "981个"), ("网格", "1807个")]):
        for cell, text in zip(row.cells, cells):
            cell.text = text
    d.save(str(path))
    return path


def require_cjk_font():
    import pytest
    if not os.path.exists(CJK_FONT):
        if os.environ.get("CI"):
            pytest.fail(f"{CJK_FONT} missing; .ci/run installs fonts-wqy-microhei")
        pytest.skip("needs fonts-wqy-microhei")


def make_pdf(path: Path, paragraphs_per_page=(BODY, [PAGE_TWO] * 2), header="达州市政法工作报告（内部资料）",
             chars_per_line: int = 30) -> Path:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("wqy", CJK_FONT, subfontIndex=0))
    c = canvas.Canvas(str(path), pagesize=A4)
    width, height = A4
    for number, paragraphs in enumerate(paragraphs_per_page, 1):
        c.setFont("wqy", 9)
        c.drawString(60, height - 40, header)
        c.drawCentredString(width / 2, 30, f"- {number} -")
        c.setFont("wqy", 12)
        y = height - 90
        for para in paragraphs:
            lines = [para[i:i + chars_per_line] for i in range(0, len(para), chars_per_line)]
            for i, line in enumerate(lines):
                c.drawString(60 + (24 if i == 0 else 0), y, line)  # first line indented
                y -= 20
            y -= 8
        c.showPage()
    c.save()
    return path


def make_scanned_pdf(path: Path, tmp: Path) -> Path:
    from PIL import Image
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas
    image = tmp / "scan.png"
    Image.new("RGB", (400, 560), "white").save(image)
    c = canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(str(image), 50, 100, width=400, height=560)
    c.showPage()
    c.save()
    return path


HTML = """<!doctype html><html><head><meta charset="utf-8"><title>激情奏响社会治理“五部曲”_法治网</title>
<meta property="og:title" content="激情奏响社会治理“五部曲”">
<meta name="pubdate" content="2020-10-27"></head><body>
<nav><ul><li><a href="/">首页</a></li><li><a href="/news">新闻</a></li><li><a href="/law">法治号 手机版</a></li></ul></nav>
<div class="share">分享到：微信 微博 QQ空间</div>
<article><h1>激情奏响社会治理“五部曲”</h1><p class="date">2020-10-27 13:20:05</p>
<p>四川达州坚持以习近平新时代中国特色社会主义思想为指导，激情奏响社会治理“五部曲”，加快推进市域社会治理现代化。</p>
<h2>一、编制任务书，构建市域社会治理新格局</h2>
<p>坚持因地制宜，创新“385”推进模式，完成对市域社会治理现代化的全面布局，建设平安达州、法治达州、善治达州。</p>
<p>健全“责任链”。按照“1+10+N”模式，设立领导小组办公室，组建10个专项工作组，明确N个具体责任单位。</p>
</article>
<aside><h3>相关文章推荐</h3><ul><li><a href="/a1">乐山市政法工作纪实</a></li><li><a href="/a2">张掖市平安建设</a></li></ul></aside>
<footer>版权所有 法治网 京ICP备12345678号 网上有害信息举报</footer></body></html>"""

MARKDOWN = """# 荣昌区政法工作五年回顾

## 维护社会稳定 “平安建设”不断深化

成功化解各类矛盾纠纷**35167件**，详见[统计表](https://example.com/t.xlsx)。

- 建成视频监控16535个，实现重点地区全覆盖。
- 区综调室累计办理案件8152件，结案率达100%。

```
print("这段代码不应被索引")
```

| 项目 | 数量 |
|---|---|
| 网格 | 1761个 |
"""


