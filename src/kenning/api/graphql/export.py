"""Print the schema's SDL: ``python -m kenning.api.graphql.export > schema.graphql``."""

from __future__ import annotations

from kenning.api.graphql.schema import build_schema


def sdl() -> str:
    """The schema as SDL, ending with one newline."""
    return build_schema().as_str().rstrip("\n") + "\n"


if __name__ == "__main__":
    print(sdl(), end="")
