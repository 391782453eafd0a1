"""The office's reports: monthly and quarterly bulletins (通报) as Word documents."""
