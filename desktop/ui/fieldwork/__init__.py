"""Field-work pages: collection tasks (采集任务) and 包户."""
