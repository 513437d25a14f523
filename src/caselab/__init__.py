"""caselab: a classroom case study of China's 2021 virtual-currency crackdown, with graded exercises."""

__version__ = "0.1.0"
