"""Cars in Telegram: /voitures and a car's card (listing), and the private form that lists
or edits a car (form)."""
