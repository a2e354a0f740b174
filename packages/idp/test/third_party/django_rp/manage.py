"""The Django relying party of packages/idp/test/django.test.ts (docs/recipes/django.md, as
tested). Run as `python3 manage.py runserver --noreload 127.0.0.1:<port>` with the settings'
environment variables set (see rp/settings.py)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rp.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
