"""Site crawler actor: crawls websites breadth-first and stores one item per page."""
