"""Write data/article-fingerprint.txt: hashes of every 12-character run of the source article's Chinese text.

The article itself is not part of the repository; its fingerprint lets a test prove
that no page, quiz or sheet repeats it word for word (official titles in 《》 excepted).

    python scripts/fingerprint_article.py ../shared/seed/article.zh.txt
"""
import hashlib
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
from caselab.site.originality import WINDOW, chinese_runs  # noqa: E402


def main(article: str) -> None:
    text = Path(article).read_text(encoding="utf-8")
    hashes = sorted({hashlib.sha1(run[i:i + WINDOW].encode()).hexdigest()[:16]
                     for run in chinese_runs(text) for i in range(len(run) - WINDOW + 1)})
    out = Path(__file__).resolve().parents[1] / "data" / "article-fingerprint.txt"
    out.write_text("# sha1[:16] of each 12-character run of the article (see scripts/fingerprint_article.py)\n"
                   + "\n".join(hashes) + "\n", encoding="utf-8")
    print(f"{len(hashes)} fingerprints written to {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/seed/article.zh.txt")
