"""Photo credits and captions glued into paragraphs must not pollute sentences."""

from sources.cleaning import clean_text, clean_title
from vectorstore.sentences import sentences


def test_reuters_credit_is_removed_and_caption_kept_apart() -> None:
    text = 'They will meet "in the coming days." © REUTERS Experts suggest that Putin is seeking shells.'
    cleaned = clean_text(text)
    assert "©" not in cleaned and "REUTERS" not in cleaned
    assert sentences(cleaned) == [
        'They will meet "in the coming days."',
        "Experts suggest that Putin is seeking shells.",
    ]


def test_named_photographer_and_agency_credit() -> None:
    text = (
        "A firm backer of Russia. © Yuri KADOBNOV / AFP The announcement ends days of speculation."
    )
    cleaned = clean_text(text)
    assert "KADOBNOV" not in cleaned and "AFP" not in cleaned
    assert "The announcement ends days of speculation." in sentences(cleaned)


def test_other_credit_styles() -> None:
    cleaned = clean_text(
        "Crowds gathered. © AP Photo/Ahn Young-joon Then they left. "
        "Police came (Photo by Jane Doe/Getty Images) at noon. © Getty Images Rain fell."
    )
    for credit in ("AP Photo", "Ahn", "Getty", "Jane Doe", "©"):
        assert credit not in cleaned
    assert "Then they left." in cleaned and "Rain fell." in cleaned
    assert "Police came at noon." in cleaned


def test_text_that_merely_looks_like_names_is_kept() -> None:
    text = "Copyright law changed. The FBI said (c) The CIA agreed. Rights © 2023 reserved."
    assert clean_text(text) == text


def test_whitespace_and_control_characters() -> None:
    raw = "  First\u00a0line \t here.\r\n\r\n\r\n\x07Second\u200b para.  \n"
    assert clean_text(raw) == "First line here.\n\nSecond para."
    assert clean_title("  A \n title © REUTERS ") == "A title"
