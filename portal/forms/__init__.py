"""The core's forms. They validate the shape of input; the rules live in portal.services."""
