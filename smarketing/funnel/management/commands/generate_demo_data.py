"""`generate_demo_data DIR [--leads N] [--seed S] [--deals N]`: canonical CSV files in DIR."""

import time

from django.core.management.base import BaseCommand

from smarketing.funnel.demo import demo_data_write


class Command(BaseCommand):
    help = "Write a realistic canonical dataset (18 months ending last month) to a directory."

    def add_arguments(self, parser):
        parser.add_argument("directory")
        parser.add_argument("--leads", type=int, default=5000)
        parser.add_argument("--seed", type=int, default=42)
        parser.add_argument("--deals", type=int, default=None, help="exact number of deals")

    def handle(self, *args, directory, leads, seed, deals, **options):
        started = time.monotonic()
        paths = demo_data_write(directory, leads=leads, seed=seed, deals=deals)
        for kind, path in paths.items():
            self.stdout.write(f"{kind}: {path}")
        self.stdout.write(f"Done in {time.monotonic() - started:.1f} s.")
