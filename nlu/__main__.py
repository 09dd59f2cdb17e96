"""``python -m nlu``: build the model for the current data now (install time, CI), so that the
first message never waits for training. Prints the model file's path."""

from nlu.model import ensure

print(ensure())
