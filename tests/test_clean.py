import re

from rag.ingest.clean import PINYIN_READING, clean, is_heading
from rag.ingest.documents import Document

FURNITURE = ["网上有害信息举报", "法治号 手机版| 站内搜索", "编辑:赵婕", "审核:", "热点文章推荐", "相关文章推荐",
             "2020-10-27 13:20:05 来源:法治日报--法制网"]


def test_pinyin_readings_are_removed_from_003(cleaned_seeds):
    doc = cleaned_seeds["003"]
    assert len([r for r in doc.removals if r.kind == "pinyin"]) == 153
    assert not re.search(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)", doc.text)
    assert "充分發揮統籌協調作用" in doc.text
    assert "《甘肅省網格化服務管理辦法(試行)》" in doc.text  # a real parenthesis stays


def test_furniture_and_the_advertising_line_are_removed(cleaned_seeds):
    everything = "\n".join(d.text for d in cleaned_seeds.values())
    for line in FURNITURE:
        assert line not in everything
    assert "365bet" not in everything
    kinds = {r.text: r.kind for d in cleaned_seeds.values() for r in d.removals}
    assert kinds["office365桌面应用_365bet体育在线备用_365bet足球外围网站"] == "unrelated"
    assert kinds["网上有害信息举报"] == "furniture"


def test_every_body_sentence_survives(seed_documents, cleaned_seeds):
    for key, doc in seed_documents.items():
        removed_lines = {r.text for r in cleaned_seeds[key].removals if r.kind != "pinyin"}
        cleaned = cleaned_seeds[key].text
        for line in doc.text.split("\n"):
            if not line.strip() or line in removed_lines:
                continue
            for sentence in re.split(r"(?<=[。！？；])", PINYIN_READING.sub("", line)):
                assert sentence.strip() in cleaned, (key, sentence)


def test_cleaned_characters_point_back_into_the_original(cleaned_seeds):
    for doc in cleaned_seeds.values():
        original = doc.document.text
        for i, ch in enumerate(doc.text):
            if ch != "\n":
                assert original[doc.origin[i]] == ch


def test_headings_and_title():
    assert is_heading("推进“治理+普法”融合")
    assert is_heading("一、编制任务书，构建市域社会治理新格局")
    assert not is_heading("扩大法治宣传覆盖面。坚持以“法律七进”为载体和抓手。")
    assert not is_heading("何政 四川省达州市委常委、政法委书记")   # a byline states who holds a post: text
    assert not is_heading("——专访乐山市委常委、政法委书记廖全军")   # so does an interview's subtitle
    doc = Document("t.txt", "t.txt", "网上有害信息举报\n激情奏响社会治理“五部曲”\n正文第一句。第二句。\n", "utf-8", "0")
    cleaned = clean(doc)
    assert cleaned.title == "激情奏响社会治理“五部曲”"
    assert [p.heading for p in cleaned.paragraphs] == [True, False]


def test_a_paragraph_repeated_thousands_of_times_is_kept_once():
    flood = "达州市累计投入经费3.2亿元，建成“雪亮工程”监控探头4.2万余个。"
    text = "一、综治中心\n" + (flood + "\n") * 3000 + "一、综治中心\n张掖市建成四级综治中心981个。\n" + flood + "\n"
    doc = clean(Document("flood.txt", "flood.txt", text, "utf-8", "0"))
    assert doc.text.count(flood) == 1 and "张掖市建成四级综治中心981个。" in doc.text
    assert doc.text.count("一、综治中心") == 2          # short lines (headings) may repeat
    repeated = [r for r in doc.removals if r.kind == "repeated"]
    assert len(repeated) == 3000 and all(r.text == flood for r in repeated)
    first = doc.text.index(flood)
    assert doc.document.text[slice(*doc.original_span(first, first + len(flood)))] == flood


def test_a_paragraph_said_twice_is_kept_twice():
    line = "全市累计化解矛盾纠纷2376件，调解成功率98%以上。"
    doc = clean(Document("t.txt", "t.txt", f"{line}\n其他内容。\n{line}\n", "utf-8", "0"))
    assert doc.text.count(line) == 2 and not doc.removals
