"""Package layout that pyproject.toml alone cannot express.

addons/, hooks/ and labdevice/ sit at the top of the repository (README.md, "Development")
and ship inside the wheel under the import names below, so an installed
``consentry`` finds them with importlib.resources.
"""
from setuptools import find_packages, setup

TOP_LEVEL_DATA_PACKAGES = {
    "consentry_addons": "addons",
    "consentry_hooks": "hooks",
    "consentry_labdevice": "labdevice",
}

setup(
    packages=find_packages(include=["analyzer", "analyzer.*"]) + list(TOP_LEVEL_DATA_PACKAGES),
    package_dir=TOP_LEVEL_DATA_PACKAGES,
)
