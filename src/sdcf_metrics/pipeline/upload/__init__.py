"""A city's own figures, one flat sheet in: read (`read`), turned into source rows (`convert`), and shown
protected beside the published data without being published (`preview`)."""
