# The ideal customer profile and Prospect models come with the discovery issue.
