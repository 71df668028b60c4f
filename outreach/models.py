# Campaign, OutreachEmail and Suppression come with the pipeline and sending issues.
