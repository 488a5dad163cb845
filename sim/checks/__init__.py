"""The model's own checks against queueing theory and conservation (``theory``, behind
``csc-sim validate``), run on a small synthetic council whose every part can be switched
off (``synthetic``).
"""
