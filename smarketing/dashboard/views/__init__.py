"""Every page of a workspace's host but the survey pages: one module per page family."""
