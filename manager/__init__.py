"""The manager's settings pages (/manager/): opening hours, closures, the booking and
reminder policy, rooms, devices and outages, practitioners, cancel reasons. Every change
goes through the appointments services; the Django admin stays for superusers."""
