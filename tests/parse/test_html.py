"""html_to_text: structure a reader needs survives; markup, scripts and styles do not."""

from __future__ import annotations

from mailbot.parse.html import html_to_text


def test_paragraphs_breaks_lists_and_entities():
    html = (
        "<html><head><title>Tittel</title><style>p {color: red}</style></head><body>"
        "<p>Hei &amp; velkommen,</p><p>Vi melder p&aring;:<br>Kari&nbsp;Nordmann</p>"
        "<ul><li>Mobilitet</li><li>Bygg <b>og</b> arealbruk</li></ul>"
        "<script>var x = '<p>skjult</p>';</script></body></html>"
    )
    assert html_to_text(html) == (
        "Hei & velkommen,\n\nVi melder på:\nKari Nordmann\n\n- Mobilitet\n- Bygg og arealbruk"
    )


def test_table_rows_become_cells_separated_by_bars():
    html = (
        "<table><tr><th>Navn</th><th>Firma</th></tr>"
        "<tr><td>Kari  Nordmann</td><td>Nordmann Bygg AS</td></tr>"
        "<tr><td>Per Hansen</td><td>Hansen Transport</td></tr></table>"
    )
    assert html_to_text(html).split("\n") == [
        "Navn | Firma", "Kari Nordmann | Nordmann Bygg AS", "Per Hansen | Hansen Transport",
    ]


def test_blockquote_lines_are_prefixed_for_the_quote_splitter():
    text = html_to_text("<div>Vi kommer.</div><blockquote>Velkommen<br>til verkstedet</blockquote>")
    assert text.split("\n") == ["Vi kommer.", "> Velkommen", "> til verkstedet"]


def test_pre_keeps_spacing():
    assert html_to_text("<pre>a   b\n  c</pre>") == "a   b\n  c"


def test_broken_markup_never_raises():
    for html in ["<p>unclosed <b>bold", "</div></div>text", "<<<>>>", "<!-- open comment", "&#99999999;", ""]:
        assert isinstance(html_to_text(html), str)
    assert "text" in html_to_text("</div></div>text")


def test_unclosed_head_or_title_does_not_hide_the_body():
    assert html_to_text("<html><head><title>Tittel uten slutt<body><p>Vi kommer.</p>") == "Vi kommer."
    assert html_to_text("<head><meta charset=utf-8><p>Uten body-tagg</p>") == "Uten body-tagg"
