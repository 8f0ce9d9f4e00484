"""What a check means: an extracted page, the article's state and history in, the update
to store out (confirmation of candidate changes, the site's template and volatile places,
the quality of a reading, and the explanation ``redline check`` prints). Pure."""
