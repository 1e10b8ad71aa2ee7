"""negsim: an agent-based simulator of multilateral negotiation scenarios."""

__version__ = "0.1.0"
