"""EssayBot: the command line and the Discord bot around the answer engine in ``index``."""
