"""Print a negsim report to PDF on A4 and on Letter with headless Chromium, and count the pages.

    python benchmarks/print_report.py briefing.html [--out DIR] [--png]

Needs `chromium` (Debian: apt-get install chromium) and `pdfinfo` (poppler-utils); `--png` also
writes every page as a PNG with `pdftoppm`, to look at them. The report itself forces no page
size, so this script adds one per copy, as a printer dialog would.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("--out", type=Path, default=Path("print"))
    parser.add_argument("--png", action="store_true", help="also write each page as PNG")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None or shutil.which("pdfinfo") is None:
        print(
            "needs chromium and pdfinfo (apt-get install chromium poppler-utils)", file=sys.stderr
        )
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    page = args.report.read_text(encoding="utf-8")
    for size in ("A4", "letter"):
        copy = args.out / f"{args.report.stem}_{size}.html"
        copy.write_text(page.replace("@page {", f"@page {{ size: {size};", 1), encoding="utf-8")
        pdf = copy.with_suffix(".pdf")
        subprocess.run(
            [browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
             f"--print-to-pdf={pdf}", str(copy)],
            check=True, capture_output=True,
        )  # fmt: skip
        info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
        pages = re.search(r"Pages:\s+(\d+)", info.stdout).group(1)
        print(f"{size}: {pages} pages, {pdf}")
        if args.png:
            subprocess.run(["pdftoppm", "-r", "60", "-png", str(pdf), str(pdf.with_suffix(""))],
                           check=True)  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
