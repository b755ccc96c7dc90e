"""promptbank's common layer: what every Lambda function of the stack imports."""

__version__ = "0.1.0"
