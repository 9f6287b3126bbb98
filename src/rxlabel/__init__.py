"""rxlabel: chest X-ray archive to labelled training sets and region classifiers."""

__version__ = "0.1.0"
