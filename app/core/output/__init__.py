"""What people read: the HTML/PDF report and the helpdesk walkthrough."""
