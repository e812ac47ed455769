"""One module per `dp` command; each is imported only when its command runs."""
