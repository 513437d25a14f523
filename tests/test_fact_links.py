"""Fact ids in running text link to their line on the Sources page (issue 10 §4)."""
from __future__ import annotations

from caselab.site.hook import link_fact_ids, render_sources
from conftest import ROOT


def test_fact_ids_in_text_become_links_relative_to_the_page():
    out = link_fact_ids("<p>The court (A14, A16) relied on it; see A22.</p>", "modules/courts/")
    assert '<a class="cl-fact" href="../../sources/#fact-A14">A14</a>' in out
    assert '<a class="cl-fact" href="../../sources/#fact-A22">A22</a>' in out
    assert link_fact_ids("<p>(A1)</p>", "").endswith('href="sources/#fact-A1">A1</a>)</p>')
    assert 'href="../sources.html#fact-A3"' in link_fact_ids("<p>A3</p>", "modules/kyc.html", directory_urls=False)


def test_only_real_fact_ids_outside_code_links_and_headings_are_linked():
    text = ('<p>A0, A23, BA1 and A1x stay.</p><code>A3</code><pre>A4</pre><h2 id="a5">A5</h2>'
            '<a href="x">A6</a><svg><text>A7</text></svg><abbr title="A8">KYC</abbr><p>A9</p>')
    out = link_fact_ids(text, "case/")
    assert out.count("cl-fact") == 1 and 'href="../sources/#fact-A9"' in out
    assert "<p>A0, A23, BA1 and A1x stay.</p>" in out


def test_the_sources_page_has_an_anchor_for_every_fact():
    table = render_sources(ROOT)
    for n in range(1, 23):
        assert f'<span id="fact-A{n}"></span>A{n} |' in table
