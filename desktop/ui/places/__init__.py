"""房屋下钻: drill-down from the org tree to houses and the people living there."""
