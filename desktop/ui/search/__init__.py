"""全息检索: the multi-condition people search page."""
