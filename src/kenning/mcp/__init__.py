"""Kenning as an MCP server (Model Context Protocol, official ``mcp`` SDK).

- :mod:`kenning.mcp.server`: the tools and resources (:func:`build_server`);
- :mod:`kenning.mcp.tools`: what each tool calls, in process;
- :mod:`kenning.mcp.args`: their arguments, built on the REST models;
- :mod:`kenning.mcp.signature`: models as tool signatures, errors as tool errors;
- :mod:`kenning.mcp.caller`: the caller's tenant from its API key;
- :mod:`kenning.mcp.http`: streamable HTTP at ``/mcp`` in the service;
- :mod:`kenning.mcp.stdio`: ``kenning mcp``.
"""
