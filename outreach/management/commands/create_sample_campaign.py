from django.core.management.base import BaseCommand

from outreach.models import Campaign
from prospects.models import IdealCustomerProfile

ICP_NAME = "Sample: B2B software leaders in North America"
CAMPAIGN_NAME = "Sample campaign"


class Command(BaseCommand):
    help = "Create the quickstart's sample ICP and campaign if they are missing (idempotent)."

    def handle(self, *args, **options):
        icp, _ = IdealCustomerProfile.objects.get_or_create(
            name=ICP_NAME,
            defaults={
                "industries": ["computer software", "internet", "information technology and services"],
                "job_title_levels": ["cxo", "owner", "vp", "director"],
                "countries": ["united states", "canada"],
            },
        )
        campaign, created = Campaign.objects.get_or_create(
            name=CAMPAIGN_NAME,
            defaults={
                "icp": icp,
                "sender_name": "Sam Sender, Example Co.",
                "sender_email": "sam@example.com",
                "pitch": (
                    "We help software teams turn product usage into pipeline: a weekly list of the "
                    "accounts most ready to buy, straight into your CRM."
                ),
            },
        )
        self.stdout.write(f"{'Created' if created else 'Found'} the campaign {campaign.name!r} (ICP {icp.name!r}).")
