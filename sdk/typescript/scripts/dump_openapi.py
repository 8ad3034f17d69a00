"""Write Kenning's OpenAPI document, as the app factory builds it, to stdout or a file.

The TypeScript SDK's types (``src/schema.ts``) are generated from this file
by openapi-typescript; ``make sdk-ts-generate`` runs both steps, and
``tests/test_sdk_typescript.py`` fails when the committed copy is out of date.

Usage: ``python sdk/typescript/scripts/dump_openapi.py [OUT]`` (with Kenning
importable, e.g. ``PYTHONPATH=src``).
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from kenning.api.app import create_app
from kenning.config import load_settings


def openapi_text() -> str:
    """The OpenAPI document as stable text: 2-space indent, keys in the
    app's order, non-ASCII kept, one trailing newline.

    The document does not depend on settings; a throwaway data dir keeps the
    factory from touching a real one (the runtime never starts here).
    """
    with tempfile.TemporaryDirectory() as data_dir:
        document = create_app(load_settings(data_dir=Path(data_dir))).openapi()
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> None:
    """Write to ``argv[0]`` when given, else to stdout."""
    text = openapi_text()
    if argv:
        Path(argv[0]).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main(sys.argv[1:])
