"""Which policies an enterprise qualifies for (the calculator), and telling enterprises so (notifications)."""
