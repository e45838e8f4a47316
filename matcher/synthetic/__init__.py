"""Deterministic synthetic demo data (profiles and industrial estates) on the real geography.

See docs/demo-data.md for the model, its parameters and the measured run times.
"""

from matcher.synthetic.estates import DemoEstate
from matcher.synthetic.generator import DemoData, generate_demo, generate_demo_data
from matcher.synthetic.settings import DemoSettings

__all__ = ["DemoData", "DemoEstate", "DemoSettings", "generate_demo", "generate_demo_data"]
