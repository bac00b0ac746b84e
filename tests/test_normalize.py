from rag.normalize import convert_script, normalize


def test_traditional_full_width_and_punctuation_are_unified():
    assert normalize("張掖市建成綜治中心９８１個，“雪亮工程”") == '张掖市建成综治中心981个,"雪亮工程"'
    assert normalize("ＡＢＣ　Ｘ") == "abc x"


def test_normalize_keeps_length_so_offsets_stay_valid(seed_documents):
    for doc in seed_documents.values():
        assert len(normalize(doc.text)) == len(doc.text)


def test_display_conversion_both_ways():
    assert convert_script("綜治中心", "simplified") == "综治中心"
    assert convert_script("综治中心", "traditional") == "綜治中心"
    assert convert_script("綜治中心", "original") == "綜治中心"
