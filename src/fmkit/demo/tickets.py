"""A synthetic customer-support ticket dataset, generated from templates (no text copied from anywhere).

Four intents: ``billing``, ``delivery``, ``account`` and ``technical``. Each ticket is one of many
templates filled with random products, amounts, days and phrasings, with casual variations (lower case,
missing punctuation, a greeting), so a model must generalise beyond keywords it saw a few times.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

PRODUCTS = [
    "blender",
    "laptop stand",
    "running shoes",
    "coffee grinder",
    "phone case",
    "desk lamp",
    "backpack",
    "headphones",
    "yoga mat",
    "water bottle",
    "office chair",
    "keyboard",
    "winter jacket",
    "toaster",
]
DAYS = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "the weekend",
    "yesterday",
    "last week",
    "two weeks ago",
]
AMOUNTS = ["$12.99", "$49", "$120", "$7.50", "$300", "$64.20", "$15", "$89.99"]
OPENERS = ["", "", "", "Hi, ", "Hello, ", "Hey there, ", "Good morning, ", "Sorry to bother you, "]
CLOSERS = [
    "",
    "",
    "",
    " Thanks.",
    " Please help.",
    " Can you look into it?",
    " This is urgent.",
    " Thank you in advance!",
]

TEMPLATES: dict[str, list[str]] = {
    "billing": [
        "I was charged twice for my {product} order.",
        "My card shows a payment of {amount} that I never made.",
        "Why did my invoice go up to {amount} this month?",
        "I want a refund for the {product}, the money has not come back yet.",
        "The discount code was not applied and I paid full price for the {product}.",
        "Can I get a receipt for the {amount} payment from {day}?",
        "You billed me after I cancelled my subscription {day}.",
        "The checkout took {amount} from my account but the order failed.",
        "How do I change the credit card used for my monthly plan?",
        "There is a strange fee of {amount} on my statement.",
        "I returned the {product} but was never reimbursed.",
        "Please stop charging my card, I closed the plan {day}.",
    ],
    "delivery": [
        "My {product} still has not arrived, it was supposed to come {day}.",
        "The tracking number for my {product} does not work.",
        "The parcel was left at the wrong address.",
        "My {product} arrived broken, the box was crushed.",
        "When will my order ship? I placed it {day}.",
        "The courier says delivered but there is nothing at my door.",
        "Can I change the shipping address for the {product} I just ordered?",
        "Only half of my order arrived, the {product} is missing.",
        "The package has been stuck in customs since {day}.",
        "I got someone else's {product} instead of mine.",
        "Is express shipping available for the {product}?",
        "The delivery window keeps moving, first {day} and now next week.",
    ],
    "account": [
        "I can't log in, it says my password is wrong.",
        "Please reset my password, the email never arrives.",
        "How do I delete my account and all my data?",
        "Someone changed the email on my account {day}.",
        "I want to update my phone number on my profile.",
        "My account got locked after too many login attempts.",
        "How can I turn on two-factor authentication?",
        "I signed up twice by mistake, can you merge my accounts?",
        "The verification code I receive is always expired.",
        "I forgot which email I used to register.",
        "Please change the name on my profile, it is misspelled.",
        "I think my account was hacked {day}, there are orders I did not make.",
    ],
    "technical": [
        "The app crashes every time I open my orders page.",
        "The website shows an error 500 when I try to check out the {product}.",
        "Pictures of the {product} do not load on my phone.",
        "The search button does nothing since the update {day}.",
        "Notifications stopped working after I updated the app.",
        "The page freezes when I add the {product} to my cart.",
        "I keep getting logged out of the app every few minutes.",
        "The app is extremely slow on my tablet since {day}.",
        "The size chart for the {product} is blank.",
        "Dark mode makes the text unreadable in the app.",
        "Your site does not work in my browser, the menu is broken.",
        "The barcode scanner in the app cannot read anything.",
    ],
}
LABELS = tuple(TEMPLATES)


def ticket(label: str, rng: random.Random) -> str:
    body = rng.choice(TEMPLATES[label]).format(
        product=rng.choice(PRODUCTS), amount=rng.choice(AMOUNTS), day=rng.choice(DAYS)
    )
    opener = rng.choice(OPENERS)
    text = opener + (body[0].lower() + body[1:] if opener or rng.random() < 0.3 else body) + rng.choice(CLOSERS)
    if rng.random() < 0.2:
        text = text.lower().rstrip(".!")
    return text.strip()


def write_tickets(
    directory: Path, n_train_per_class: int = 150, n_test_per_class: int = 60, seed: int = 7
) -> dict[str, Path]:
    """Write ``train.csv`` and ``test.csv`` (columns ``text,label``) under ``directory``.

    Test texts never occur in train.
    """
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    splits = {"train": n_train_per_class, "test": n_test_per_class}
    paths = {}
    for split, per_class in splits.items():
        rows = []
        for label in LABELS:
            made = 0
            for _ in range(per_class * 50):
                text = ticket(label, rng)
                if text.lower() in seen:
                    continue
                seen.add(text.lower())
                rows.append((text, label))
                made += 1
                if made == per_class:
                    break
        rng.shuffle(rows)
        paths[split] = directory / f"{split}.csv"
        with paths[split].open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(["text", "label"])
            writer.writerows(rows)
    return paths
