"""The demo clinic that `make run` loads (`manage.py load_demo`); refused in production.
It sits above every other app: it books and records through their services."""
