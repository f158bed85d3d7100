"""首页: the figures of the scope at a glance."""
