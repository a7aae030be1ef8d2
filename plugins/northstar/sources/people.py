"""Synthetic contact details for the CRM households, so that masking has real work to do.

The Complete Journey has no personal data. Each household gets a name, an email address, a
phone number and a street address drawn from small built-in lists by a generator seeded with
the household id, so every replay writes the same values and nothing comes from outside.
Email domains are example.com/.net/.org and phone numbers use the 555 prefix, both reserved
for fiction.
"""

from __future__ import annotations

import random

FIRST_NAMES = (
    "Olivia", "Liam", "Emma", "Noah", "Ava", "Elijah", "Sophia", "James", "Isabella", "Lucas",
    "Mia", "Mateo", "Amelia", "Ethan", "Harper", "Mason", "Evelyn", "Logan", "Abigail", "Levi",
    "Emily", "Aiden", "Ella", "Jackson", "Scarlett", "Sebastian", "Grace", "Henry", "Chloe",
    "Owen", "Zoey", "Wyatt", "Nora", "Julian", "Lily", "Caleb", "Hannah", "Isaac", "Layla",
    "Ezra",
)  # fmt: skip
LAST_NAMES = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores",
)  # fmt: skip
STREETS = (
    "Maple Ave", "Oak St", "Pine Rd", "Cedar Ln", "Elm St", "Birch Dr", "Walnut St",
    "Lakeview Blvd", "Hillcrest Rd", "Sunset Ave", "Riverside Dr", "Park Pl",
)  # fmt: skip
CITIES = ("Springfield", "Riverton", "Fairview", "Greenville", "Madison", "Franklin")
DOMAINS = ("example.com", "example.net", "example.org")

CONTACT_COLUMNS = ("full_name", "email", "phone", "street_address")
# Highest house number drawn; four digits look like a real street address.
MAX_HOUSE_NUMBER = 9_999


def household_contact(household_id: int) -> dict[str, str]:
    """Return the synthetic contact details of one household; the same id gives the same values."""
    generator = random.Random(f"northstar-household-{household_id}")
    first = generator.choice(FIRST_NAMES)
    last = generator.choice(LAST_NAMES)
    # The household id in the address keeps emails unique when two households share a name.
    email = f"{first}.{last}.{household_id}@{generator.choice(DOMAINS)}".lower()
    phone = f"555-{generator.randint(100, 999)}-{generator.randint(1000, 9999)}"
    house = generator.randint(1, MAX_HOUSE_NUMBER)
    address = f"{house} {generator.choice(STREETS)}, {generator.choice(CITIES)}"
    return {
        "full_name": f"{first} {last}",
        "email": email,
        "phone": phone,
        "street_address": address,
    }


def household_contacts(household_ids: list[int]) -> dict[str, list[str]]:
    """Return the contact columns for `household_ids`, in the same order."""
    contacts = [household_contact(household_id) for household_id in household_ids]
    return {column: [contact[column] for contact in contacts] for column in CONTACT_COLUMNS}
