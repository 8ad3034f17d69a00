"""FalkorDB adapter: embedded (started by Kenning) or remote ``falkordb://``."""
