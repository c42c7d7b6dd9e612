import os

# Tests run with development settings and django-q2 tasks executed in-process.
os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("Q_SYNC", "1")
